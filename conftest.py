import os

# scikit-learn's array-API input check runs (with NumPy) only when SciPy sees this at import.
os.environ.setdefault("SCIPY_ARRAY_API", "1")
