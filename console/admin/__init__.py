"""Administration (``/console/admin``): centers and staff accounts (admin), the earning rules
(managers set them, as the API lets them) and the personal-data audit trail (admin).

Each part is a module of views on the one blueprint of :mod:`console.admin.area`; importing
them here registers their views.
"""

from __future__ import annotations

from console.admin import audit, centers, rules, staff
from console.admin.area import AREA, bp

__all__ = ["AREA", "audit", "bp", "centers", "rules", "staff"]
