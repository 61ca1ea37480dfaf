"""The store layer: files of a case store and the git repository that holds them."""
