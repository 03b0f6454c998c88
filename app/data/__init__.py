"""Qt-free data code: data sets, mask decoding, splits, augmentation, caching."""
