"""The payments' refusal."""


class PaymentError(Exception):
    """A refused payment action; the message is Vietnamese and shown as is."""
