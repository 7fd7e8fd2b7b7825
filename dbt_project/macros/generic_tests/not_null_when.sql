{#- Generic column test: the column is not null on every row where the condition holds. -#}
{% test not_null_when(model, column_name, condition) %}
select *
from {{ model }}
where ({{ condition }}) and {{ column_name }} is null
{% endtest %}
