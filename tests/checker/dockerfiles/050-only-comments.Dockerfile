# nothing but a comment
# and another
#> foundry-model: BY001@1
