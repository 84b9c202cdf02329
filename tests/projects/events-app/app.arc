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
