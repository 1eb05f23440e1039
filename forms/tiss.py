"""Upload of TISS XML lot files."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import MultipleFileField, SelectField
from wtforms.validators import ValidationError


class TissUploadForm(FlaskForm):
    files = MultipleFileField(_l("XML files"),
                              description=_l("One or more TISS lot files (.xml), or a .zip of them."))
    provider = SelectField(_l("Provider"), coerce=int, choices=[], validate_choice=True,
                           description=_l("Staff only: accept only files of this provider (optional)."))

    def validate_files(self, field):
        uploads = [f for f in (field.data or []) if getattr(f, "filename", "")]
        if not uploads:
            raise ValidationError(_l("Choose at least one .xml file."))
        if any(not f.filename.lower().endswith((".xml", ".zip")) for f in uploads):
            raise ValidationError(_l("Only .xml files (or a .zip of them) are accepted."))
