"""Pure domain rules: values in, a value or a refusal out. No I/O, and no
imports of Retorno's other packages."""


class Refused(Exception):
    """A step the life cycle does not allow; str(exc) is shown to the user as is."""
