"""Accounts: owner setup, sign-up, login and logout, the user's settings.
"""
