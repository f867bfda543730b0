-- cli_script_error: an uncaught error in a script run by `ormsh run` stops it,
-- prints one line "file:line: message" on stderr and exits with status 1.
print("before the error")
error("boom")
print("never printed")
