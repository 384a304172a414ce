"""Schemathesis hooks of scripts/api-conformance: the known false positives, dropped narrowly.

Each exclusion names the failure code, the operations, the status and a pattern the error
message must match, and says why the failure is not the server's or the document's fault. A
failure that matches no entry fails the run. Schemathesis counts what these drop and prints
the count ("dropped by `filter_failure`"). Never add a server or document bug here: fix it.
"""

import re
from dataclasses import dataclass

import schemathesis


@dataclass(frozen=True)
class Exclusion:
    code: str  # Schemathesis failure code (`st explain CODE`)
    operations: re.Pattern  # matched against "METHOD /path"
    status: int  # the status the server answered
    message: re.Pattern  # searched in the error message of the answer
    reason: str


EXCLUSIONS = [
    Exclusion(
        code="ST202",
        operations=re.compile(r"GET /api/v1/reports/(\{metric\}|summary)"),
        status=400,
        # "timezone: \"A\" is not an IANA time zone (e.g. Europe/Prague)",
        # "until: must be after since", "since: a period is at most ten years",
        # "interval: 3000 buckets of one hour in this period, at most 2000; …"
        message=re.compile(
            r"^(timezone: .* is not an IANA time zone|until: must be after since$"
            r"|since: a period is at most ten years$|interval: \d+ buckets of one )"
        ),
        reason="A report's period is checked as a whole: the zone against the IANA database "
        "(some six hundred names the schema does not list), `until` after `since`, at most ten "
        "years and 2,000 buckets. JSON Schema cannot relate two parameters or count buckets.",
    ),
    Exclusion(
        code="ST202",  # positive_data_acceptance: a schema-valid request was rejected
        operations=re.compile(r".*"),
        status=422,
        # "team_id: no team 4", "members: no agent 9223372036854775806", "agent_id: no such agent"
        message=re.compile(r"^[\w.\[\]]+: no (such [a-z ]+|[a-z ]+ -?\d+)$"),
        reason="A body that refers to another object by an id that does not exist is a rule of "
        "the data, not of the schema: the answer is 422 naming the missing id. The schema can "
        "only say that the id is an integer.",
    ),
    Exclusion(
        code="ST202",
        operations=re.compile(r"POST /api/v1/contacts/\{id\}/merge"),
        status=422,
        message=re.compile(r"^from: a contact cannot be merged into itself$"),
        reason="A merge names two contacts, one in the path and one in the body; that they "
        "must differ relates two parts of the request, which JSON Schema cannot express.",
    ),
    Exclusion(
        code="ST202",
        operations=re.compile(r"(POST /api/v1/contacts|PATCH /api/v1/contacts/\{id\})"),
        status=422,
        # 'phone: "12345" is not a phone number (write it with its country code, …)'
        message=re.compile(r'^phone: ".*" is not a phone number \('),
        reason="A phone number is read against the numbering plan of its country (a Czech "
        "number has nine digits, a German one three to thirteen), from libphonenumber's "
        "metadata, and stored in E.164. The schema's pattern can only bound the digits.",
    ),
    Exclusion(
        code="ST202",
        operations=re.compile(r".*"),
        status=400,
        # "invalid body: capacity: invalid type: floating point `13.0`, expected i64 at …"
        message=re.compile(r"invalid type: floating point `-?\d+\.0`, expected [iu](8|16|32|64)\b"),
        reason="JSON Schema counts 13.0 as an integer; serde, like most typed JSON readers, "
        "takes `integer` to mean a number written without a fraction, and no client sends "
        "ids or counts as 13.0.",
    ),
    Exclusion(
        code="ST202",
        operations=re.compile(r"POST /api/v1/conversations/\{id\}/reply"),
        status=422,
        message=re.compile(r'^template: the channel "[^"]*" does not send templates$'),
        reason="Whether a reply may name a WhatsApp-approved template depends on the channel of "
        "the conversation in the path, which the schema of the body cannot know.",
    ),
    Exclusion(
        code="ST202",
        operations=re.compile(r"POST /api/v1/contacts/import"),
        status=422,
        # "mapping: no column gives an email, phone or identity to match contacts by",
        # "mapping: the file has no column \"Phone\""
        message=re.compile(r'^mapping: (no column gives an email, phone or identity|the file has no column ")'),
        reason="The columns are the header row of the CSV text in `csv`: a mapping that names a "
        "column the file lacks, or a file without a column to match contacts by, is refused, "
        "and a JSON schema cannot read CSV.",
    ),
    Exclusion(
        code="ST202",
        operations=re.compile(r".*"),
        status=422,
        # 'channels[0].channel: no channel is named ""', 'template: there is no template named "x"'
        # 'actions[0].set_sla: no [[sla]] policy named ""', 'actions[0].reply: no template named ""'
        message=re.compile(r'^[\w.\[\]]+: (there is )?no (\[\[\w+\]\] )?[a-z ]+? (is )?named "'),
        reason="Channels, templates and SLA policies are named in the configuration file; the "
        "schema can only say that a name is a string.",
    ),
    Exclusion(
        code="ST202",
        operations=re.compile(r"(POST|PUT) /api/v1/rules(/\{id\})?|POST /api/v1/conversations/\{id\}/status"),
        status=422,
        # 'idle_for: only allowed with on = "conversation.idle"',
        # "snoozed_until: only allowed with status snoozed", "… a future time is required to snooze"
        message=re.compile(r"^(idle_for: (only allowed|required) with |snoozed_until: (only allowed with |a future time is required))"),
        reason="A field that belongs to one value of another field (a rule's `idle_for` to "
        "`on = conversation.idle`, `snoozed_until` to `status = snoozed`, and then in the "
        "future). JSON Schema could "
        "say it with if/then, but the generators of our clients read if/then as nothing and "
        "Schemathesis' generator then proposes the pair anyway; the server names the field.",
    ),
    Exclusion(
        code="ST202",
        operations=re.compile(r"(POST|PUT) /api/v1/rules(/\{id\})?"),
        status=422,
        # "actions[0].snooze_for: must be longer than zero", "idle_for: must be longer than zero",
        # "actions[1]: use snooze_for or snooze_until_open to snooze"
        message=re.compile(r"^(actions\[\d+\](\.snooze_for)?: (must be longer than zero|use snooze_for)|idle_for: must be longer than zero)"),
        reason="A span of zero (`0s`, `0m`) is a valid span but no time to wait, and a rule "
        "snoozes with a span rather than `set_status = snoozed`; both depend on the value, "
        "not the shape, and the server names the action.",
    ),
    Exclusion(
        code="ST202",
        operations=re.compile(r"POST /api/v1/conversations/\{id\}/reply"),
        status=422,
        # "text: must not be empty", "text: give either text or a template, not both",
        # "translated_from: only with free text, not with a template"
        message=re.compile(r"^(text: (must not be empty|give either text or a template)|template: name and language are required|translated_from: only with free text)"),
        reason="A reply is text, or a template (then text stays empty), or attachments with "
        "optional text; which fields may be empty depends on the others, and a translation's "
        "original (`translated_from`) goes with free text only.",
    ),
    Exclusion(
        code="ST202",
        operations=re.compile(r"(POST|PUT) /api/v1/rules(/\{id\})?"),
        status=422,
        message=re.compile(r"^actions\[\d+\]\.assist_classify: agent assist is off "),
        reason="A rule may ask the model only where agent assist is configured (`[assist] "
        "base_url`); the conformance server runs without a model, and the schema cannot know "
        "the configuration.",
    ),
    Exclusion(
        code="ST202",
        operations=re.compile(r"(POST|PATCH) /api/v1/webhooks(/\{id\})?"),
        status=422,
        # "url: is not a valid URL (empty host)", "url: ... resolves to a private address"
        message=re.compile(r"^url: "),
        reason="A subscription URL must name a host that resolves to a public address (the SSRF "
        "guard); inside the test's network namespace no name resolves, and a pattern cannot "
        "say which hosts are public.",
    ),
    Exclusion(
        code="ST202",
        operations=re.compile(r"(POST|PUT) /api/v1/(segments(/preview|/\{id\})?|campaigns(/\{id\})?)"),
        status=422,
        # 'filter: attribute "age": Gt needs a number', 'filter: attribute "d": Before needs a date'
        message=re.compile(r'^filter: attribute "[^"]*": \w+ needs a (number|date)'),
        reason="What an attribute is compared with depends on the comparison: `gt` and the "
        "like need a number, `before` and `after` a date.",
    ),
]


def _error_message(response):
    try:
        body = response.json()
    except Exception:  # not JSON: no exclusion applies
        return None
    error = body.get("error") if isinstance(body, dict) else None
    message = error.get("message") if isinstance(error, dict) else None
    return message if isinstance(message, str) else None


@schemathesis.hook
def filter_failure(context, failure, case, response):
    """Keeps every failure except the listed false positives."""
    operation = f"{case.method.upper()} {case.operation.path}"
    message = None
    for exclusion in EXCLUSIONS:
        if failure.code != exclusion.code or response.status_code != exclusion.status:
            continue
        if not exclusion.operations.fullmatch(operation):
            continue
        if message is None:
            message = _error_message(response) or ""
        if exclusion.message.search(message):
            return False
    return True
