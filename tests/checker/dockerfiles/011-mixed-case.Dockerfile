From python:3.12.12-slim-bookworm
Run echo hi
UsEr 5001
Cmd python3 -m http.server 8080
#> foundry-model: clean
