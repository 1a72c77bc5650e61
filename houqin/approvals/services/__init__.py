"""Every write of approvals, by sub-domain (DESIGN.md: a services module past ~800 lines becomes a
package): ``policies`` (defaults, editing, resolving approvers), ``runtime`` (submit, approve,
reject, return, withdraw, comment, delegation) and ``general_request`` (事项申请, the document
that uses the chain). Import from here: ``from houqin.approvals import services``.
"""

from .general_request import (  # noqa: F401
    general_request_create,
    general_request_on_decision,
    general_request_submit,
    general_request_update,
)
from .policies import (  # noqa: F401
    CENT,
    STEP_FIELDS,
    applicable_steps,
    approval_policy_seed,
    approval_policy_seed_defaults,
    approval_policy_update,
    resolve_approvers,
)
from .runtime import (  # noqa: F401
    approval_act,
    approval_approve,
    approval_comment,
    approval_delegation_cancel,
    approval_delegation_create,
    approval_reject,
    approval_return,
    approval_submit,
    approval_withdraw,
    available_actions,
    delegators_of,
    has_decisions,
    is_involved,
)
