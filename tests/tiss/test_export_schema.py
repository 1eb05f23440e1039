from lxml import etree

from models.enums import GuideType
from services.tiss import schemas


def test_built_files_validate(clinic, tiss_schemas):
    schema = schemas.load_schema("4.01.00", tiss_schemas)
    for guide_type in GuideType:
        data = clinic.lot_file(guide_type=guide_type, count=3) if guide_type != GuideType.HONORARIOS else \
            clinic.lot_file([clinic.guide(
                GuideType.HONORARIOS, items=[clinic.item("40304361"), clinic.item("40302040")])])
        root = etree.fromstring(data)
        assert schema.validate(root), (guide_type, schema.error_log)
