"""Pure conversions from big values (arrays, tensors, images) to the small records we store."""
