# @summary A broker user name that is safe in the password file ("user:hash") and the ACL ("user NAME").
type Mosquitto::Username = Pattern[/\A[A-Za-z0-9][A-Za-z0-9._@-]*\z/]
