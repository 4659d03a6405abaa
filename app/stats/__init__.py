"""The statistics page: figures from the review history, the daily rollup, charts.
"""
