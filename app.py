"""AdEMAMix Lab: placeholder entrypoint (the real app replaces this file)."""
import streamlit as st

st.set_page_config(page_title="AdEMAMix Lab", layout="wide")
st.title("AdEMAMix Lab — coming soon")
