"""Pure draw engine (no Django): scenario validation, weighted selection, CP-SAT assignment, verification."""
