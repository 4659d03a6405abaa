"""Daily review: the day's queue, recording answers, the review page.
"""
