-- The ten largest remittance flows (USD millions) between two named countries; ties by name.
select
    row_number() over (order by usd_millions desc, sender, receiver) as rank,
    sender,
    receiver,
    usd_millions as value
from {{ ref('migration_remittance') }}
where not is_aggregate_flow
  and sender_id <> receiver_id
order by rank
limit 10
