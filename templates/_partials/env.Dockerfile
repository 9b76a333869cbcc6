{% set a = answers() %}
{% if a.env %}
# Your environment variables (set early: installs below may read them).
ENV {% for e in a.env %}{{ e.key }}={{ e.value | dockerfile_quote }}{% if not loop.last %} \
    {%+ endif %}{% endfor %}


{% endif %}
