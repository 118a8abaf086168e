"""Benchmarks of Retorno (not tests): `make bench SCALE=small|large`.

generate  builds a dedicated PostgreSQL database at the chosen scale (COPY),
          or reuses it when the same scale is already loaded;
measure   serves the app and the bare-stack reference (bare.py) as one
          uvicorn process each and times the board home against both;
results   bench/results.json, one object per figure.
"""
