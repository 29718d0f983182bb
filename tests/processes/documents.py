"""GraphQL documents of the process tests."""

REFUND_FIELDS = """
  refundRequest { id status amount { amount currency } reason requestedBy approvedBy
    steps { name system status attempts lastError } audit { actor action detail correlationId } }
  userErrors { field message code }
"""
REQUEST_REFUND = (
    f"mutation($input: RefundInput!) {{ requestRefund(input: $input) {{ {REFUND_FIELDS} }} }}"
)
APPROVE = f'mutation($id: ID!) {{ approveRefund(id: $id, note: "ok") {{ {REFUND_FIELDS} }} }}'
REJECT = f'mutation($id: ID!) {{ rejectRefund(id: $id, reason: "no") {{ {REFUND_FIELDS} }} }}'
REPLAY = """mutation($id: ID!) { replayWorkflow(id: $id) {
  status steps { name status attempts lastError } userErrors { code message } } }"""
PREVIEW = """query($input: RefundPreviewInput!) { refundPreview(input: $input) {
  eligible amount { amount currency } refundable { amount currency } requiresApproval
  reasons { code message } } }"""
ORDER_VIEW = """query($n: String!) { order(number: $n) {
  number financialStatus refundable { amount }
  refunds { id amount { amount } erpCreditMemo }
  invoices { documentNumber kind amount { amount } }
  cases { number subject }
  lines { id sku quantity refundableQuantity }
  auditTrail { actor action detail correlationId } } }"""
REPLACE = """mutation($input: ReplacementInput!) { requestReplacement(input: $input) {
  outcome replacementOrderNumber refundRequest { id status }
  userErrors { code message } } }"""
OPEN_CASE = """mutation($input: OpenCaseInput!) { openCase(input: $input) {
  case { number subject status order { number } } userErrors { code message } } }"""
COMMENT = """mutation($input: CaseCommentInput!) { addCaseComment(input: $input) {
  case { number } userErrors { code message } } }"""

AGENT = "orders:read pii:read cases:read cases:write refunds:write"
SUPERVISOR = "orders:read refunds:approve refunds:write"
OPS = "orders:read ops refunds:approve"
