{#- A combination of columns is unique (as in dbt_utils, written here: `dbt deps` cannot reach
    the hub). Usage: `- unique_combination: {arguments: {columns: [a, b]}}`. -#}
{% test unique_combination(model, columns) %}
select {{ columns | join(', ') }}, count(*) as n
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
