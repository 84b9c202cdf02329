@app
events-app

@http
get /

@tables
notes
  owner *String
  created **Number
  expires TTL
  pitr true
  encrypt true
  stream true
accounts
  id *String

@tables-indexes
notes
  status *String
  created **Number
  name byStatus
  projection title owner
accounts
  email *String
  projection keys

@scheduled
nightly rate(1 day)
weekday-noon cron(0 12 ? * MON-FRI *)
report
  rate 2 hours
  timezone America/New_York

@events
note-created
audit

@queues
jobs
emails
  fifo false
  batchSize 5
  batchWindow 2

@tables-streams
account-changes
  table accounts
