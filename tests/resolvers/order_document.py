"""The full order 360 selection: every field of Order in the contract (shared by tests)."""

ORDER_360 = """
fragment Money on Money { amount currency }
fragment Order360 on Order {
  id number channel placedAt status financialStatus
  total { ...Money } refundable { ...Money }
  customer { id name email phone loyaltyTier }
  lines { id sku title quantity unitPrice { ...Money } refundableQuantity }
  erpSalesOrder { documentNumber status netAmount { ...Money } createdAt }
  invoices { documentNumber issuedAt amount { ...Money } kind }
  refunds { id createdAt amount { ...Money } reason erpCreditMemo }
  shipments {
    trackingNumber carrier status estimatedDelivery deliveredAt
    events { at status message location }
  }
  cases { number subject status priority openedAt }
  timeline { at source kind summary }
  discrepancies { kind severity detail sources }
  sections { source state ageSeconds retryAfterSeconds }
  auditTrail { at actor action detail correlationId }
}
"""

ORDER_BY_NUMBER = ORDER_360 + "query($n: String!) { order(number: $n) { ...Order360 } }"
