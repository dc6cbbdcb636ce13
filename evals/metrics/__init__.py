"""Scorers for the anomaly suites: point-wise binary outlier metrics and two NAB variants.

- `binary`: SKAB's outlier metrics (F1, FAR %, MAR %), confusion counts pooled over files.
- `skab_nab`: SKAB's changepoint NAB score (time windows around each true changepoint, normalised over
  all files to 100 = perfect and 0 = null detector).
- `nab`: the Numenta Anomaly Benchmark's raw per-file score (row-index windows, probationary period).

Both NAB scorers are re-implemented from the reference behaviour, not copied.
"""
