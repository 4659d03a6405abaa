"""Notes in the web app: uploads, importing notes into cards, import jobs and note images.
"""
