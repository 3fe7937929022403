"""Pure Plotly figure builders for AdEMAMix Lab (no Streamlit here): engine results in, ``go.Figure`` out.

Also ``figures.export`` (standalone HTML, CSV/JSON data, config documents) and the command-line exporter
``python -m figures`` (see ``figures/__main__.py``).
"""
