"""The built-in component types, imported for their registration (catalog order)."""
from . import input_node, convolution, pooling, upsample, merge, unet, target  # noqa: F401
