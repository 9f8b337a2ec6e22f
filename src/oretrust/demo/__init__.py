"""``oretrust demo``: the story end to end (:mod:`.story`), its cast (:mod:`.cast`) and the
demo registry's set-up (:mod:`.registry`). Nothing below the shells imports this package."""
