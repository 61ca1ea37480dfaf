"""The shared vocabulary of DESIGN.md: kinds that every rule pack maps its own names onto."""

TRACK_KINDS = ("approval", "filing", "simplified", "exempt")

STAGE_KINDS = (
    "planning", "proposal", "crypto_review", "security_review", "application", "initial_review",
    "expert_review", "funding_review", "approval", "filing", "funding_request", "procurement",
    "implementation", "change", "preliminary_acceptance", "compliance_review", "archive_acceptance",
    "final_acceptance", "self_evaluation", "post_evaluation", "closed", "terminated", "rejected",
)
TERMINAL_STAGE_KINDS = ("closed", "terminated", "rejected")

ACTION_KINDS = (
    "submit", "approve", "return", "reject", "withdraw", "request_change", "request_extension",
    "terminate", "complete",
)

OBLIGATION_KINDS = (
    "supervision", "third_party_testing", "security_assessment", "crypto_assessment", "ipv6",
    "data_catalog", "data_sharing", "secure_products", "archive_acceptance", "progress_report",
    "self_evaluation", "acceptance_report",
)

DEADLINE_KINDS = (
    "review", "declaration", "progress_report", "acceptance", "self_evaluation",
    "approval_validity", "regulation_validity",
)

SEVERITIES = ("error", "warning", "info")

# Names an expression may use besides facts and the pack's named conditions.
DERIVED_NAMES = ("track", "track_kind", "over_six_months", "cross_year", "planned_months")
