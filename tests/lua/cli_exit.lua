-- cli_exit: exit(n) ends a script at once with status n.
print("a")
exit(3)
print("b")
