"""A coach's squad: one plan voiced for many athletes, each at their own figures.

`roster` reads the squad file (and its CSV), `personal` reads the plan again for each
athlete with their figures, and `team` builds every athlete's programme folder under an
unguessable name, with the manifest and the coach's overview beside the squad's folder.
"""
