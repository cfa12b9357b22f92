"""Calibration of the assumed parameters against the targets catalogue (``hlmsim calibrate``).

- :mod:`hlmsim.calibrate.config`: the calibration file (TOML), validated like every input.
- :mod:`hlmsim.calibrate.screening`: Morris screening of every assumed parameter at ten years,
  on the calibration targets and the headline comparison, choosing the parameters to calibrate.
- :mod:`hlmsim.calibrate.engine`: ABC-SMC with pyabc (its SQLite history is the run store),
  locally or on a Dask cluster; returns results and never imports the reports.
"""
