-- The ten largest remittance flows (USD millions) between two named countries; ties by name.
-- The *_name columns are the countries as the source wrote them, for reports.
select
    row_number() over (order by usd_millions desc, sender, receiver) as rank,
    sender,
    receiver,
    usd_millions as value,
    sender_name,
    receiver_name
from {{ ref('migration_remittance') }}
where not is_aggregate_flow
  and sender_id <> receiver_id
order by rank
limit 10
