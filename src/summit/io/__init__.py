"""Data in and out: datasets and the class index (folders to model outputs), the per-class Zarr
store, the typed artifacts the stages hand each other, image atlases."""
