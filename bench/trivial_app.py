"""The trivial one-widget app: the ceiling Streamlit itself sets for reruns per second.

The load test runs it with the same client and settings as regionmap, so regionmap's
saturation throughput can be read as a fraction of what Streamlit can do at all.
"""

import streamlit as st

n = st.slider("n", 0, 100, 10, key="n")
st.write(n * 2)
