{{ config(alias='remittance') }}
-- The remittance matrix as rows (published as migration.remittance): file rows = sending
-- country, file columns = receiving country ("Remittance-receiving country (across) -
-- Remittance-sending country (down)").
select
    flow.sender_id,
    sender.country as sender,
    sender.country_name as sender_name,
    flow.receiver_id,
    receiver.country as receiver,
    receiver.country_name as receiver_name,
    flow.usd_millions,
    sender.is_aggregate or receiver.is_aggregate as is_aggregate_flow
from {{ ref('stg_migration__remittance') }} as flow
join {{ ref('stg_migration__country') }} as sender on sender.country_id = flow.sender_id
join {{ ref('stg_migration__country') }} as receiver on receiver.country_id = flow.receiver_id
