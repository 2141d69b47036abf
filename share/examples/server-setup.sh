#!/bin/sh
# server-setup.sh - the shared remote of an sfa store on a plain ssh server,
# with `sfa verify` checking every push (see sfa-verify(1)).
#
# Run it on the server as the account that will own the repository and
# that everyone logs in as over ssh, say "git". That account's login
# shell must be /bin/sh (or bash), not git-shell: sshd runs the forced
# commands of authorized_keys through it, and the forced command is what
# hands each session to git-shell.
#
#   sh server-setup.sh repo /srv/git/acme.git [STORE]
#	Makes the bare repository /srv/git/acme.git: a copy of STORE, an
#	existing store (a folder, or a URL git can clone from here), or
#	else a new store made with `sfa init`. Installs `sfa verify` as its
#	pre-receive hook.
#
#   sh server-setup.sh key USER PUBLIC-KEY-FILE
#	Prints the line of ~git/.ssh/authorized_keys that lets the holder
#	of that key push as USER (a user id of config/users.json) and do
#	nothing else. Append it yourself:
#	    sh server-setup.sh key ana ana.pub >>~/.ssh/authorized_keys
#
# The rules come from the store: its config/users.json (with at least one
# admin) and config/access.json, set with `sfa config set users FILE` and
# `sfa config set access FILE` and pushed by an admin. Until the store has
# config/access.json, every user with a key may change everything, so
# authorize only the admin's key until then. Each user then clones:
#
#   laptop$ sfa clone ssh://git@sfa.example.com/srv/git/acme.git

set -eu

usage () {
	echo "usage: sh server-setup.sh repo dir [store]" >&2
	echo "       sh server-setup.sh key user public-key-file" >&2
	exit 2
}

# The sfa the hook runs: an absolute path, since git-shell sessions get
# sshd's default PATH.
SFA=$(command -v sfa) || {
	echo "server-setup.sh: sfa is not installed here (make install)" >&2
	exit 1
}

make_repo () {
	dir=$1
	store=${2-}
	if [ -e "$dir" ]; then
		echo "server-setup.sh: '$dir' exists already" >&2
		exit 1
	fi
	if [ -z "$store" ]; then
		# a new store, made beside the repository and copied into it
		store=$dir.new-store
		"$SFA" init -q "$store"
		git clone -q --bare "$store" "$dir"
		rm -rf "$store"
	else
		git clone -q --bare "$store" "$dir"
		# a clone of a URL remembers it; the shared remote has no remote of its own
		git --git-dir="$dir" remote remove origin 2>/dev/null || :
	fi
	# The hook checks everything; git refuses the worst early too.
	git --git-dir="$dir" config receive.fsckObjects true
	git --git-dir="$dir" config receive.denyNonFastForwards true
	git --git-dir="$dir" config receive.denyDeletes true
	cat >"$dir/hooks/pre-receive" <<EOF
#!/bin/sh
# Every push is checked by sfa verify against the schema and the access
# rules of the store; the pushing user is SFA_USER, set by the forced
# command of the key in ~/.ssh/authorized_keys.
exec '$SFA' verify
EOF
	chmod +x "$dir/hooks/pre-receive"
	# sfa verify opens no index on the server; a copied one is of no use
	rm -f "$dir"/sfa-index.sqlite*
	echo "server-setup.sh: made $dir"
	git --git-dir="$dir" show -s --format='server-setup.sh: main is at %h, %s' main
}

# The forced command: sshd runs it with the account's shell, the client's
# request ("git-receive-pack '/srv/git/acme.git'") in SSH_ORIGINAL_COMMAND,
# which git-shell runs if, and only if, it is a git command. "restrict"
# turns off port, agent and X11 forwarding, terminals and ~/.ssh/rc.
key_line () {
	user=$1
	keyfile=$2
	case $user in
	'' | *[!a-z0-9_-]* | [-_]*)
		echo "server-setup.sh: '$user': not a user id (a-z, 0-9, '_' and '-')" >&2
		exit 2
		;;
	esac
	key=$(cat "$keyfile")
	case $key in
	ssh-* | ecdsa-* | sk-*) ;;
	*)
		echo "server-setup.sh: '$keyfile': not an ssh public key" >&2
		exit 2
		;;
	esac
	printf 'restrict,command="SFA_USER=%s git-shell -c \\"$SSH_ORIGINAL_COMMAND\\"" %s\n' "$user" "$key"
}

[ $# -ge 1 ] || usage
case $1 in
repo)
	[ $# -eq 2 ] || [ $# -eq 3 ] || usage
	make_repo "$2" "${3-}"
	;;
key)
	[ $# -eq 3 ] || usage
	key_line "$2" "$3"
	;;
*)
	usage
	;;
esac
