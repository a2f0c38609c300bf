"""The one exception type a user of xmgan can cause (bad input, missing weights or data)."""


class XmganError(Exception):
    """A problem the caller can act on; the message is one sentence meant for a person."""


class WeightsNotFound(XmganError):
    """No local checkpoint and the Hugging Face Hub could not provide one."""


class DataNotFound(XmganError):
    """A dataset is neither in $XMGAN_DATA nor downloadable."""


class BadInput(XmganError):
    """An input image or sound the model cannot use, with the reason."""
