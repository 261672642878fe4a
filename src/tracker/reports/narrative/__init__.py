"""The written progress report of a frozen reporting period: what analysts write beside the frozen figures (a
foreword, a summary, a national commentary per recommendation, what happens next), the examples they choose,
its review and its publication as HTML and PDF that never change.

models (the tables), markup (the small safe markup, parsed once to a tree), figures (the placeholders, one
registry that both offers and renders them), examples (what may be featured), services (the use cases: save,
add and remove examples, submit, return, approve, publish), publication (rendering and storing the frozen
files), controllers (the analysts' pages) and public_controllers (the published reports).
"""
