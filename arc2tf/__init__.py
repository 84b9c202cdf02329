"""arc2tf: compile Architect (arc.codes) apps into Terraform.

The pipeline, one module per stage:

    manifest.load_project()   files on disk  -> Manifest      (parse.py, grammar/arc.lark)
    normalize.normalize()     Manifest        -> ir.App        (Architect's inventory rules)
    emit.render_terraform()   ir.App          -> {path: text}  (templates/)
    bundle.bundle_functions() ir.App          -> zips          (deterministic handler archives)
"""

__version__ = "0.1.0"
