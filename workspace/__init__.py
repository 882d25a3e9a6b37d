"""The coach and client workspace as the app shows it.

Pure parts (no Streamlit): ``settings`` (sign-in, coach e-mails, database,
bucket, worker from secrets and the environment), ``present`` (labels and table
rows for the pages), ``figures`` (history trends). ``ui`` is the Streamlit glue:
cached database, blob store and worker, the signed-in account, and loading a
stored review into the session the Scorecard, Frames and Charts pages read.
"""
