# @summary A file germqtt reads a secret from: an absolute path or `$CREDENTIALS_DIRECTORY/NAME`.
#
# `$CREDENTIALS_DIRECTORY/NAME` is a systemd credential: the unit needs `LoadCredential=NAME:PATH`.
type Germqtt::Secretfile = Variant[Stdlib::Absolutepath, Pattern[/\A\$CREDENTIALS_DIRECTORY\/[^\/\s]+\z/]]
