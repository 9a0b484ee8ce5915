# @summary An SSH public host key as in a `.pub` file or `ssh-keyscan` output: `TYPE BASE64 [comment]`.
type Germqtt::Hostkey = Pattern[
  /\A(ssh-(ed25519|rsa)|ecdsa-sha2-nistp(256|384|521)|sk-[a-z0-9-]+@openssh\.com) [A-Za-z0-9+\/]+={0,3}( [^\r\n]*)?\z/,
]
