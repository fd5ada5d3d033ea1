"""The application: what ``python -m ivig_helpers`` does with the library.

- ``cli``: the command line (``run``, ``validate``, ``template``, ``synthesize``, ``compare``,
  ``pool``, ``refresh-notebooks``)
- ``runner``: a run of the whole collection on one cohort file: parameters, execution, stopping
- ``folder``: the report folder: what may be replaced, the manifest, the lock, a failed run
- ``pages``: the HTML pages of a report and its landing page (their look: ``site`` and its
  templates)
- ``compare``: two reports side by side
- ``pool``: several centres' shareable reports pooled into one evidence synthesis
- ``kernels``: an opt-in faster start of the notebooks' kernels (a jupyter_client kernel
  provisioner; Linux only)

The library (``ivig_helpers`` outside this folder) never imports this package.
"""
