"""Refusals of the adjudication services."""
from flask_babel import lazy_gettext as _l

from models.errors import CodedError


class AdjudicationError(CodedError):
    MESSAGES = {
        "kind": _l("Choose a rule kind from the list."),
        "parameters": _l("These parameters do not fit the rule kind (see the list of parameters of each kind)."),
        "window": _l("The rule's end date is before its start date."),
        "code": _l("Unknown Tabela 38 or payer glosa code."),
        "waiting_cap": _l("The ANS caps waiting periods at %(days)s days for this group."),
        "age_range": _l("The minimum age is above the maximum age."),
        "sex": _l("Sex must be F, M or empty."),
        "reason": _l("Say why the automatic glosa is removed."),
        "not_editable": _l("Only a lot in analysis can be changed."),
        "not_pending": _l("This automatic glosa was already decided."),
        "forbidden": _l("You are not allowed to do this."),
        "percent": _l("The sampling percentage must be between 0 and 100."),
        "period": _l("Choose a period of at most one year, start before end."),
    }
