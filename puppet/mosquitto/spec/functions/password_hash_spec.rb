# frozen_string_literal: true

require 'spec_helper'

describe 'mosquitto::password_hash' do
  it 'is deterministic: the same password and seed give the same hash' do
    first = subject.execute(sensitive('pw'), 'user@host').unwrap
    expect(subject.execute(sensitive('pw'), 'user@host').unwrap).to eq(first)
    expect(first).to match(%r{\A\$7\$101\$[A-Za-z0-9+/]{16}\$[A-Za-z0-9+/]{86}==\z})
  end

  it 'changes with the password and with the seed' do
    base = subject.execute(sensitive('pw'), 'user@host').unwrap
    expect(subject.execute(sensitive('pw2'), 'user@host').unwrap).not_to eq(base)
    expect(subject.execute(sensitive('pw'), 'user@other').unwrap).not_to eq(base)
  end

  it 'returns Sensitive' do
    expect(subject.execute(sensitive('pw'), 'seed')).to be_a(Puppet::Pops::Types::PSensitiveType::Sensitive)
  end

  it { is_expected.to run.with_params('plain', 'seed').and_raise_error(ArgumentError, %r{Sensitive}) }
end
