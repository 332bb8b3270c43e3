"""Message catalogues of one feature area each: a module with `ET` and `EN` dicts.

Keeping an area's messages in its own module lets features grow without editing one
shared file; `core.i18n` merges them and refuses a key defined twice.
"""
