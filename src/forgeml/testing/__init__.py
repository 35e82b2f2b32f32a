"""Contract test kits shipped with forgeml, so every new model family passes the same checks.

Example:
    >>> from forgeml.models import get_family
    >>> from forgeml.testing import model_checks
    >>> len(model_checks(get_family("linear"))) > 5
    True
"""

from forgeml.testing._model_checks import check_model_family, model_checks

__all__ = ["check_model_family", "model_checks"]
