"""Registration identifiers (rules V-ICE, V-RIB, V-CNSS of the domain brief).

Formats (digits, length) block; check keys inferred from practice only warn.
"""

import re

from stdnum.exceptions import InvalidChecksum, ValidationError
from stdnum.ma import ice as stdnum_ice


def clean(value: str | None) -> str:
    return re.sub(r"[\s.\-]", "", value or "")


def ice_format_ok(value: str) -> bool:
    """15 digits (python-stdnum); a wrong check key is only a warning, see ice_key_ok."""
    try:
        stdnum_ice.validate(value)
    except InvalidChecksum:
        return True
    except ValidationError:
        return False
    return True


def ice_key_ok(value: str) -> bool:
    return stdnum_ice.is_valid(value)


def rib_format_ok(value: str) -> bool:
    return bool(re.fullmatch(r"\d{24}", value))


def rib_key_ok(value: str) -> bool:
    return int(value) % 97 == 0


def cnss_format_ok(value: str, length: int = 7) -> bool:
    return bool(re.fullmatch(rf"\d{{{length}}}", value))


def rc_format_ok(value: str) -> bool:
    return bool(re.fullmatch(r"\d{1,10}", value))
