"""The build's steps: each module handles some of MkDocs' events (``on_config``, ``on_files``,
``on_page_markdown``, …) as a function of that name. ``course.plugin`` runs them in its order."""
